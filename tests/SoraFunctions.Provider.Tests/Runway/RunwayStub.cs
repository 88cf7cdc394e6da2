using SoraFunctions.Provider.Runway;

namespace SoraFunctions.Provider.Tests.Runway;

/// <summary>Clients, answers and task bodies for the Runway stub tests.</summary>
public static class RunwayStub
{
    public const string BaseUrl = "https://api.runway.example.test";
    public const string Secret = "key_test_0123456789abcdef";

    public static RunwayOptions Options(string? apiKey = Secret, string baseUrl = BaseUrl) => new()
    {
        BaseUrl = baseUrl,
        ApiKey = apiKey,
        RequestTimeoutSeconds = 30,
    };

    public static RunwayClient Client(StubHandler api, StubHandler? output = null, RunwayOptions? options = null, TimeProvider? time = null) =>
        new(new HttpClient(api), new HttpClient(output ?? api), options ?? Options(), null, time);

    public static RunwayVideoProvider Provider(StubHandler api, StubHandler? output = null, RunwayOptions? options = null, TimeProvider? time = null)
    {
        RunwayOptions value = options ?? Options();
        return new RunwayVideoProvider(Client(api, output, value, time), Microsoft.Extensions.Options.Options.Create(value));
    }

    public static string TaskJson(string id = "task_1", string status = "RUNNING", string extra = "") =>
        $$"""{"id":"{{id}}","createdAt":"2026-11-30T09:00:00.000Z","status":"{{status}}"{{extra}}}""";

    public static HttpResponseMessage Created(string id = "task_1") => Stub.Json(HttpStatusCode.OK, $$"""{"id":"{{id}}"}""");
}
