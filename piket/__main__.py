from piket.cli import main

main()
