using Microsoft.AspNetCore.Http;

namespace SoraFunctions.Http;

/// <summary><c>application/problem+json</c> answers for everything that is not a success.</summary>
public static class Problems
{
    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(
            errors,
            detail: string.Join(" ", errors.SelectMany(e => e.Value)),
            title: $"The request is not valid: {string.Join(", ", errors.Keys)}.");

    public static IResult Field(string field, string message) =>
        Validation(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    public static IResult UnsupportedMediaType(string? contentType) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported media type.",
            detail: $"Send the request body as application/json, not '{contentType ?? "(none)"}'.");

    public static IResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job.", detail: $"There is no job '{id}'.");

    public static IResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
