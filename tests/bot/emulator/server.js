// Starts the telegram-test-api emulator on 127.0.0.1:<port> and says "ready" once it listens.
// Used by tests/bot/test_emulator.py; stops on SIGTERM or when its stdin closes.
const TelegramServer = require('telegram-test-api');

const server = new TelegramServer({ port: Number(process.argv[2]), host: '127.0.0.1', storeTimeout: 600 });
const stop = () => server.stop().then(() => process.exit(0));
server.start().then(() => process.stdout.write('ready\n'));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
