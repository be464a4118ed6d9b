from agents.cli.app import main

main()
