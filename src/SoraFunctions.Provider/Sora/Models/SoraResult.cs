using System.Diagnostics.CodeAnalysis;

namespace SoraFunctions.Provider.Sora;

/// <summary>The outcome of a provider call: a value, or a <see cref="SoraError"/>. Expected failures are never thrown.</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class SoraResult<T>
{
    SoraResult(T? value, SoraError? error, TimeSpan? pollAfter)
    {
        Value = value;
        Error = error;
        PollAfter = pollAfter;
    }

    /// <summary>True when the call succeeded and <see cref="Value"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>The value; non-null when <see cref="IsSuccess"/>.</summary>
    public T? Value { get; }

    /// <summary>The error; non-null when not <see cref="IsSuccess"/>.</summary>
    public SoraError? Error { get; }

    /// <summary>The polling interval the provider suggested (<c>openai-poll-after-ms</c>) on a successful create or retrieve.</summary>
    public TimeSpan? PollAfter { get; }

    /// <summary>A successful result.</summary>
    [SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Factory beside the type; SoraResult.Success is the non-generic twin.")]
    public static SoraResult<T> Success(T value, TimeSpan? pollAfter = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new SoraResult<T>(value, null, pollAfter);
    }

    /// <summary>A failed result.</summary>
    [SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Factory beside the type; SoraResult.Failure is the non-generic twin.")]
    public static SoraResult<T> Failure(SoraError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new SoraResult<T>(default, error, null);
    }

    /// <summary>The value, or a <see cref="SoraException"/> carrying the error.</summary>
    public T GetValueOrThrow() => IsSuccess ? Value : throw new SoraException(Error);

    /// <inheritdoc />
    public override string ToString() => IsSuccess ? $"Success({Value})" : $"Failure({Error})";
}

/// <summary>Factories for <see cref="SoraResult{T}"/>.</summary>
public static class SoraResult
{
    /// <summary>A successful result.</summary>
    public static SoraResult<T> Success<T>(T value, TimeSpan? pollAfter = null) => SoraResult<T>.Success(value, pollAfter);

    /// <summary>A failed result.</summary>
    public static SoraResult<T> Failure<T>(SoraError error) => SoraResult<T>.Failure(error);
}
