namespace OrleansTwoPc;

/// <summary>A request broke a validation rule. Nothing was stored or changed. Retrying the same request cannot help.</summary>
[GenerateSerializer, Alias("twopc.invalid-request")]
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException(string field, string rule) : base($"{field}: {rule}")
    {
        Field = field;
        Rule = rule;
    }

    public InvalidRequestException() : this("request", "invalid")
    {
    }

    public InvalidRequestException(string message, Exception innerException) : base(message, innerException)
    {
        Field = "request";
        Rule = message;
    }

    /// <summary>The offending field, e.g. <c>operations[1].amount</c> or <c>operationId</c>.</summary>
    [Id(0)] public string Field { get; private set; }

    /// <summary>The rule it broke, in words.</summary>
    [Id(1)] public string Rule { get; private set; }
}
