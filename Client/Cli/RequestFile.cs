namespace OrleansTwoPc.Cli;

/// <summary>
/// Reads the request file of <c>submit</c>:
/// <c>{"operations":[{"kind":"ledger","key":"alice","action":"debit","amount":5}, ...]}</c>, optionally with
/// <c>"createdAt":"2026-12-04T18:00:00Z"</c>, the operation id's creation time (<see cref="RequestJson"/>, the same
/// form as the HTTP API's request body).
/// </summary>
internal static class RequestFile
{
    /// <summary>Reads and converts the file; throws <see cref="CliException"/> naming the file and the problem.</summary>
    public static TransactionRequest Read(string path)
    {
        var text = Load(path);
        try
        {
            return RequestJson.Read(text, "request file");
        }
        catch (RequestJsonException ex)
        {
            var message = ex.Problem == RequestJsonProblem.Invalid
                ? $"request file '{path}' is not a valid request: {ex.Message}"
                : $"request file '{path}' {ex.Message}";
            throw Problem(path, message, ex.InnerException);
        }
    }

    private static string Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw Problem(path, $"cannot read request file '{path}': it is a directory");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                _ => ex.Message,
            };
            throw Problem(path, $"cannot read request file '{path}': {reason}", ex);
        }
    }

    private static CliException Problem(string path, string message, Exception? inner = null) =>
        new("request-file", message, inner, ("file", path));
}
