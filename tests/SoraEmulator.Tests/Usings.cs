global using System.Net;
global using System.Net.Http.Headers;
global using System.Text;
global using System.Text.Json;
global using Microsoft.Extensions.Time.Testing;
global using SoraEmulator;
