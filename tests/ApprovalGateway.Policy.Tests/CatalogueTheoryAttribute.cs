namespace ApprovalGateway.Policy.Tests;

/// <summary>A theory skipped with a clear message when the shared Binance catalogue fixture is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CatalogueTheoryAttribute : TheoryAttribute
{
    public CatalogueTheoryAttribute()
    {
        if (!File.Exists(CatalogueFactAttribute.FixturePath))
        {
            Skip = $"Binance catalogue fixture missing at {CatalogueFactAttribute.FixturePath}";
        }
    }
}
