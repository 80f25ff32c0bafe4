namespace ApprovalGateway.Policy.Tests;

/// <summary>A fact skipped with a clear message when the shared Binance catalogue fixture is not beside the repository.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CatalogueFactAttribute : FactAttribute
{
    public static string FixturePath { get; } = RepositoryRoot.Combine("..", "shared", "fixtures", "binance-mcp-tools.json");

    public CatalogueFactAttribute()
    {
        if (!File.Exists(FixturePath))
        {
            Skip = $"Binance catalogue fixture missing at {FixturePath}";
        }
    }
}
