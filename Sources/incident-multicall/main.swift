import AppCLI
import IncidentCLI
import ServeCLI

// The container image's one binary: `incident`, `incident-serve` and `app` by the name it runs under (argv[0]),
// as busybox is, so that the Swift runtime, Foundation and its ICU data are in the image once, not three times.
// Installed as `incident` with `app` and `incident-serve` linked to it; under any other name it is `incident`.
switch CommandLine.arguments.first?.split(separator: "/").last {
case "app": await AppMain.main()
case "incident-serve": await ServeMain.main()
default: await IncidentMain.main()
}
