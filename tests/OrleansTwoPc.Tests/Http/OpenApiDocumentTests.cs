using System.Text.Json;

namespace OrleansTwoPc.Tests.Http;

/// <summary>
/// The OpenAPI document the API serves is the one checked in (docs/openapi.json), so clients generated from the file
/// match the service. After changing the API, regenerate the file: run this test with ORLEANSTWOPC_UPDATE_OPENAPI=1.
/// </summary>
public sealed class OpenApiDocumentTests(AnonymousHttpApiFixture api) : IClassFixture<AnonymousHttpApiFixture>
{
    [Fact]
    public async Task The_served_openapi_document_is_the_checked_in_one()
    {
        using var client = api.Client();
        var served = (await client.GetStringAsync("openapi/v1.json")).ReplaceLineEndings("\n").TrimEnd() + "\n";
        var path = Path.Combine(RepositoryRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("ORLEANSTWOPC_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served);
        }

        var checkedIn = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : "(missing)";
        Assert.True(served == checkedIn,
            $"{path} differs from the document the API serves; regenerate it: ORLEANSTWOPC_UPDATE_OPENAPI=1 dotnet test --filter OpenApiDocumentTests");
        Assert.Contains("\"/transactions\"", served, StringComparison.Ordinal);
        Assert.Contains("\"Idempotency-Key\"", served, StringComparison.Ordinal);
        Assert.DoesNotContain("\"servers\"", served, StringComparison.Ordinal);
        Assert.Contains("\"securitySchemes\"", served, StringComparison.Ordinal);
    }

    // A client generated from the document must send what the API requires and accept what it answers: the header
    // without which every submit is a 400, and outcomes that leave out null fields (reason of a commit, decidedAt while
    // in progress). Before, the header was optional and reason/decidedAt/completedAt required.
    [Fact]
    public async Task The_document_requires_the_Idempotency_Key_and_does_not_require_fields_the_API_leaves_out()
    {
        using var client = api.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync("openapi/v1.json"));
        var root = document.RootElement;
        var header = root.GetProperty("paths").GetProperty("/transactions").GetProperty("post").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal("header", header.GetProperty("in").GetString());
        Assert.True(header.TryGetProperty("required", out var required) && required.GetBoolean(), "the Idempotency-Key header is not marked required");

        var schemas = root.GetProperty("components").GetProperty("schemas");
        Assert.Equal(["operationId", "status"], Required(schemas.GetProperty("TransactionResult")));
        Assert.DoesNotContain("phase", Required(schemas.GetProperty("InDoubtEntry")));
        Assert.DoesNotContain("error", Required(schemas.GetProperty("InDoubtEntry")));
        Assert.Contains("operationId", Required(schemas.GetProperty("InDoubtEntry")));
    }

    private static string[] Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal)] : [];

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "OrleansTwoPc.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"OrleansTwoPc.sln not found above {AppContext.BaseDirectory}");
    }
}
