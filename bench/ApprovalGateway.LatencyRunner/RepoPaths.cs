namespace ApprovalGateway.LatencyRunner;

/// <summary>The repository root, found from the runner's own folder so it runs from any working directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ServerEverything
    {
        get
        {
            var path = Path.Combine(Root, "tests", "upstreams", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"server-everything is not installed at {path}. Run: npm ci --prefix tests/upstreams");
        }
    }

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
