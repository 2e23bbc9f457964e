from piket.cli import main

if __name__ == "__main__":  # not again in the bot's child process, which imports this module (spawn)
    main()
