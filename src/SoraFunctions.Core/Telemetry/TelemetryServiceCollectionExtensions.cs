using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SoraFunctions.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry traces, metrics and logs with the pipeline's own source and meter, the Durable Task SDK's spans and
    /// outgoing HTTP calls; exported to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set
    /// and over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is. With neither, nothing leaves the process. Each host
    /// adds its own instrumentation to the builder it gets back (Functions worker, ASP.NET Core).
    /// </summary>
    public static OpenTelemetryBuilder AddPipelineTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        OpenTelemetryBuilder builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(PipelineTelemetry.Name)
                .AddSource("Microsoft.DurableTask*")
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(PipelineTelemetry.Name)
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrEmpty(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            builder.UseAzureMonitorExporter();
        }

        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.UseOtlpExporter();
        }

        return builder;
    }
}
