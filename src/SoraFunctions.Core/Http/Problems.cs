using Microsoft.AspNetCore.Http;

namespace SoraFunctions.Http;

/// <summary><c>application/problem+json</c> answers for everything that is not a success, each with its stable code.</summary>
public static class Problems
{
    public static ApiProblem Validation(IReadOnlyDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new ApiProblem(
            StatusCodes.Status400BadRequest,
            ProblemCodes.ValidationFailed,
            $"The request is not valid: {string.Join(", ", errors.Keys)}.",
            string.Join(" ", errors.SelectMany(e => e.Value)),
            errors);
    }

    public static ApiProblem Field(string field, string message) =>
        Validation(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    public static ApiProblem UnsupportedMediaType(string? contentType) =>
        new(
            StatusCodes.Status415UnsupportedMediaType,
            ProblemCodes.UnsupportedMediaType,
            "Unsupported media type.",
            $"Send the request body as application/json, not '{Shorten(contentType) ?? "(none)"}'.");

    public static ApiProblem NotFound(string id) =>
        new(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such job.", $"There is no job '{Shorten(id)}'.");

    public static ApiProblem NotReady(string title, string detail) =>
        new(StatusCodes.Status409Conflict, ProblemCodes.NotReady, title, detail);

    public static ApiProblem IdTaken(string detail) =>
        new(StatusCodes.Status409Conflict, ProblemCodes.IdTaken, "The id is taken.", detail);

    /// <summary>429 naming the budget, with <c>Retry-After</c> until the budget's day ends (UTC midnight).</summary>
    public static ApiProblem BudgetExceeded(HttpRequest request, Limits.BudgetDecision budget, decimal costUsd)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(budget);
        int retryAfter = (int)Math.Ceiling((budget.RetryAfter ?? TimeSpan.FromHours(1)).TotalSeconds);
        string which = budget.Budget == Limits.BudgetDecision.CallerBudget ? "your daily budget" : "the service's daily budget";
        var problem = new ApiProblem(
            StatusCodes.Status429TooManyRequests,
            ProblemCodes.OverBudget,
            "Over budget.",
            string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"This video's estimated cost of {costUsd:0.00} USD would take {which} ({budget.Budget}: {budget.LimitUsd:0.00} USD, {budget.SpentUsd:0.00} USD spent today) past its limit. It resets at 00:00 UTC."));
        problem.Extensions["budget"] = budget.Budget;
        problem.Extensions["limitUsd"] = budget.LimitUsd;
        problem.Extensions["spentUsd"] = budget.SpentUsd;
        problem.Extensions["retryAfterSeconds"] = retryAfter;
        problem.Headers["Retry-After"] = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return problem;
    }

    /// <summary>Client text echoed in a message, cut so that an answer never grows with a huge input.</summary>
    public static string? Shorten(string? text) => text is { Length: > 120 } ? string.Concat(text.AsSpan(0, 120), "…") : text;
}
