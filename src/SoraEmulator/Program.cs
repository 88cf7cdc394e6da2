using SoraEmulator;

// Listens on EmulatorApp.DefaultUrl (http://127.0.0.1:5080) unless --urls or ASPNETCORE_URLS says otherwise.
await EmulatorApp.Build(args).RunAsync();
