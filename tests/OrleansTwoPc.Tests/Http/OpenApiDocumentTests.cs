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
