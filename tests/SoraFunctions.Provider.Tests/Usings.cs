global using System.Net;
global using System.Net.Http.Headers;
global using System.Text;
global using SoraFunctions.Provider;
global using SoraFunctions.Provider.Tests.Support;
