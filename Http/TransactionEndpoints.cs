using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansTwoPc.Client;

namespace OrleansTwoPc.Http;

/// <summary>
/// <c>POST /transactions</c>, <c>GET /transactions/{id}</c> and <c>GET /participants/{kind}/{key}</c>: the same calls as
/// the CLI's <c>submit</c>, <c>status</c> and <c>participant</c>, through <see cref="TransactionClient"/>.
/// </summary>
internal static partial class TransactionEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Stripe's header: set on an answer replayed from the stored outcome instead of produced by this request.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    private const string KeyRule = "required: the operation id of this request, 1 to 128 characters of A-Z a-z 0-9 . _ : -, "
        + "the same on every retry (a UUIDv7 carries its own creation time)";

    /// <summary>
    /// Executes the body exactly once under the Idempotency-Key: 200 with the outcome (the same for every retry), 202 when
    /// it is still undecided after <see cref="TwoPcHttpOptions.Wait"/>.
    /// </summary>
    public static async Task<IResult> Submit(
        HttpContext http,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        TwoPcApi api,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(idempotencyKey))
        {
            return Problems.Invalid(IdempotencyKeyHeader, KeyRule);
        }

        // The draft defines the header as a structured-field string ("..."); Stripe's clients send it bare. Both mean the same key.
        var key = idempotencyKey.Length >= 2 && idempotencyKey[0] == '"' && idempotencyKey[^1] == '"' ? idempotencyKey[1..^1] : idempotencyKey;
        try
        {
            RequestValidator.ValidateId(key, IdempotencyKeyHeader);
        }
        catch (InvalidRequestException ex)
        {
            return Problems.Invalid(ex);
        }

        if (!IsJson(http.Request.ContentType))
        {
            return Problems.UnsupportedMediaType(http.Request.ContentType);
        }

        var text = await ReadBodyAsync(http, api.Options.MaxRequestBodyBytes, cancellationToken);
        if (text is null)
        {
            return Problems.TooLarge(api.Options.MaxRequestBodyBytes);
        }

        TransactionRequest request;
        try
        {
            request = RequestJson.Read(text);
            if (request.CreatedAt is null && !OperationIds.TryGetCreationTime(key, out _))
            {
                return Problems.Invalid("createdAt",
                    $"required in the body when the Idempotency-Key carries no time ('{key}'): the time the key was first used, e.g. "
                    + "2026-12-04T18:00:00Z, the same on every retry; or use a key that ends in a UUIDv7, which carries its own time");
            }
        }
        catch (RequestJsonException ex)
        {
            return Problems.Malformed(ex);
        }

        try
        {
            var outcome = await api.Transactions.ExecuteAsync(key, request, cancellationToken);
            if (outcome.Replayed)
            {
                http.Response.Headers[ReplayedHeader] = "true";
            }

            return TypedResults.Ok(TransactionResult.From(outcome, withCompletion: false));
        }
        catch (OutcomeUnknownException ex)
        {
            // Never run again by this server: the coordinator goes on, and a retry with the same key joins it.
            LogStillRunning(api.Logger, ex.InnerException, key, api.Options.Wait);
            var location = "/transactions/" + Uri.EscapeDataString(key);
            http.Response.Headers.RetryAfter = "1";
            return TypedResults.Accepted(location, new TransactionResult(key, "in-progress", null, null, null));
        }
    }

    /// <summary>The status of an operation id; 404 when it has no record.</summary>
    public static async Task<IResult> Status(string id, TwoPcApi api, CancellationToken cancellationToken)
    {
        RequestValidator.ValidateId(id, "operationId");
        var outcome = await api.Transactions.GetStatusAsync(id, cancellationToken);
        return outcome.Status == TransactionStatus.Unknown
            ? Problems.Unknown(id)
            : TypedResults.Ok(TransactionResult.From(outcome, withCompletion: true));
    }

    /// <summary>A participant's committed value and the prepared records it holds.</summary>
    public static async Task<IResult> Participant(string kind, string key, TwoPcApi api, CancellationToken cancellationToken)
    {
        RequestValidator.ValidateId(kind, "kind");
        RequestValidator.ValidateId(key, "key");
        ParticipantSnapshot snapshot;
        try
        {
            snapshot = await api.Transactions.InspectParticipantAsync(kind, key).WaitAsync(api.Options.Wait, cancellationToken);
        }
        catch (Exception ex) when (UnknownGrainType(ex))
        {
            return Problems.Invalid("kind", $"'{kind}' is not a participant kind this cluster hosts (the shipped kinds are "
                + $"{ParticipantKinds.Ledger} and {ParticipantKinds.Inventory})");
        }

        return TypedResults.Ok(new ParticipantResult(snapshot.Kind, snapshot.Key, snapshot.Value,
            [.. snapshot.Prepared.Select(p => new PreparedBody(p.OperationId, p.Epoch, p.Operation.Action, p.Operation.Amount, p.PreparedAt))],
            snapshot.EndedCount));
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.HasValue
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>The body as UTF-8 text, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    private static async Task<string?> ReadBodyAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > limit)
        {
            return null;
        }

        // Also bounds a chunked body, whose length is known only at its end: the server stops reading past the limit.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        try
        {
            while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    // What Orleans answers for a grain type no silo hosts, and for a hosted grain type that is not a participant.
    internal static bool UnknownGrainType(Exception ex) =>
        ex is InvalidCastException
        || (ex is OrleansException && ex.Message.StartsWith("No active nodes are compatible with grain", StringComparison.Ordinal));

    [LoggerMessage(EventId = 400, Level = LogLevel.Information,
        Message = "POST /transactions {OperationId}: undecided after {Wait}; answered 202 (the transaction goes on)")]
    private static partial void LogStillRunning(ILogger logger, Exception? lastError, string operationId, TimeSpan wait);
}

/// <summary>What the endpoints share: the options, a <see cref="TransactionClient"/> whose deadline is the server's wait, a logger.</summary>
internal sealed class TwoPcApi(IGrainFactory grains, IOptions<TwoPcHttpOptions> options, ILogger<TwoPcApi> logger)
{
    public TwoPcHttpOptions Options { get; } = options.Value;

    public TransactionClient Transactions { get; } = new(grains, new TransactionClientOptions
    {
        Deadline = options.Value.Wait,
        InitialBackoff = TimeSpan.FromMilliseconds(Math.Min(100, options.Value.Wait.TotalMilliseconds / 2)),
    });

    public ILogger Logger => logger;
}
