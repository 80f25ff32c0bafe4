namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>Where things are, found from the test assembly's folder so tests run from any working directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shared folder beside the repository (CI lays it there too).</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string ServerEverything
    {
        get
        {
            var path = Path.Combine(Root, "tests", "upstreams", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException(
                    $"server-everything is not installed at {path}. Run: npm ci --prefix tests/upstreams (.ci/run does).");
        }
    }

    /// <summary>The demo exchange built next to the tests (the test project references it).</summary>
    public static string DemoExchangeDll => Path.Combine(AppContext.BaseDirectory, "demo-exchange.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ApprovalGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ApprovalGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
