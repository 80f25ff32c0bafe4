using ApprovalGateway.Testing;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>Where the tests' own files are; the repository and its upstreams come from <see cref="RepositoryPaths"/>.</summary>
internal static class RepoPaths
{
    public static string Root => RepositoryPaths.Root;

    /// <summary>The shared folder beside the repository (CI lays it there too).</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string ServerEverything => RepositoryPaths.ServerEverything;

    /// <summary>The demo exchange built next to the tests (the test project references it).</summary>
    public static string DemoExchangeDll => Path.Combine(AppContext.BaseDirectory, "demo-exchange.dll");
}
