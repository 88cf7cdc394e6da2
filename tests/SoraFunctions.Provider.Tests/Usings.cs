global using System.Net;
global using System.Net.Http.Headers;
global using System.Text;
global using SoraFunctions.Provider.Sora;
global using SoraFunctions.Provider.Tests.Support;
