namespace SoraEmulator.Api;

/// <summary>Observability endpoints under <c>/_emulator</c>: no authentication, no faults.</summary>
static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapEmulatorAdmin(this IEndpointRouteBuilder endpoints)
    {
        RouteGroupBuilder admin = endpoints.MapGroup("/_emulator");
        admin.MapGet("/stats", (EmulatorState state) => Results.Json(state.Stats.Snapshot(), WireJson.Admin));
        admin.MapPost("/reset", (EmulatorState state) =>
        {
            state.Reset();
            return Results.Json(new { reset = true }, WireJson.Admin);
        });
        admin.MapGet("/health", () => Results.Json(new { status = "ok" }, WireJson.Admin));
        return endpoints;
    }
}
