using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Http;

namespace SoraFunctions.Tests;

/// <summary>Runs an <see cref="IResult"/> against a <see cref="DefaultHttpContext"/> and reads what it wrote.</summary>
static class HttpResults
{
    public static DefaultHttpContext NewContext(string? body = null, string? contentType = "application/json")
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        };
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 7071);
        context.Response.Body = new MemoryStream();
        if (body is not null)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
        }

        context.Request.ContentType = contentType;
        return context;
    }

    public static async Task<(int Status, JsonElement Body, HttpContext Context)> ExecuteAsync(IResult result, HttpContext context)
    {
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        string text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        JsonElement json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (context.Response.StatusCode, json, context);
    }

    public static async Task<(int Status, JsonElement Body)> SubmitAsync(VideoApi api, DurableTaskClient client, string body)
    {
        DefaultHttpContext context = NewContext(body);
        IResult result = await api.SubmitAsync(context.Request, client, new TestUrls(), default);
        (int status, JsonElement json, _) = await ExecuteAsync(result, context);
        return (status, json);
    }

    internal sealed class TestUrls : IManagementUrlFactory
    {
        public DurableManagementUrls Create(HttpRequest request, string instanceId)
        {
            string baseUrl = $"http://127.0.0.1:7071/runtime/webhooks/durabletask/instances/{instanceId}";
            return new DurableManagementUrls(instanceId, baseUrl, $"{baseUrl}/raiseEvent/{{eventName}}", $"{baseUrl}/terminate?reason={{text}}", baseUrl, $"{baseUrl}/suspend?reason={{text}}", $"{baseUrl}/resume?reason={{text}}");
        }
    }
}
