namespace ApprovalGateway.Testing;

/// <summary>
/// Where the repository and its installed upstreams are, found from the running assembly's folder so tests and
/// the bench runner work from any working directory.
/// </summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The official MCP test server, installed by npm under tests/upstreams.</summary>
    public static string ServerEverything
    {
        get
        {
            var path = Path.Combine(Root, "tests", "upstreams", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException(
                    $"server-everything is not installed at {path}. Run: npm ci --prefix tests/upstreams (.ci/run and bench/run do).");
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
