using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SoraFunctions;
using SoraFunctions.Functions;
using SoraFunctions.Provider;
using SoraFunctions.Telemetry;

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ProblemDetailsExceptionMiddleware>();

// Options are validated when the host starts: a bad setting stops the app with the key's name.
builder.Services.AddVideoPipeline(builder.Configuration).AddVideoProvider(builder.Configuration);

// OpenTelemetry (host.json telemetryMode): Application Insights when its connection string is set, OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is; the worker's own spans carry the invocation's trace context.
builder.Services.AddPipelineTelemetry(builder.Configuration, "SoraFunctions").UseFunctionsWorkerDefaults();

builder.Build().Run();
