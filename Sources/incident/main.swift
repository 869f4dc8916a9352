import IncidentCLI

await IncidentMain.main()
