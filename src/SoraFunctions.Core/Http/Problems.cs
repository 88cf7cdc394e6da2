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

    /// <summary>429 naming the budget, with <c>Retry-After</c> until the budget's day ends (UTC midnight).</summary>
    public static IResult BudgetExceeded(HttpRequest request, Limits.BudgetDecision budget, decimal costUsd)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(budget);
        int retryAfter = (int)Math.Ceiling((budget.RetryAfter ?? TimeSpan.FromHours(1)).TotalSeconds);
        request.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string which = budget.Budget == Limits.BudgetDecision.CallerBudget ? "your daily budget" : "the service's daily budget";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Over budget.",
            detail: string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"This video's estimated cost of {costUsd:0.00} USD would take {which} ({budget.Budget}: {budget.LimitUsd:0.00} USD, {budget.SpentUsd:0.00} USD spent today) past its limit. It resets at 00:00 UTC."),
            extensions: new Dictionary<string, object?> { ["budget"] = budget.Budget, ["limitUsd"] = budget.LimitUsd, ["spentUsd"] = budget.SpentUsd, ["retryAfterSeconds"] = retryAfter });
    }

    public static IResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
