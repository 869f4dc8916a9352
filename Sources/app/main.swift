import AppCLI

await AppMain.main()
