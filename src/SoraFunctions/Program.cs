using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SoraFunctions;
using SoraFunctions.Functions;
using SoraFunctions.Provider;

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ProblemDetailsExceptionMiddleware>();

// Options are validated when the host starts: a bad setting stops the app with the key's name.
builder.Services.AddVideoPipeline(builder.Configuration).AddVideoProvider(builder.Configuration);

if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    builder.Services.ConfigureFunctionsApplicationInsights();
}

builder.Build().Run();
