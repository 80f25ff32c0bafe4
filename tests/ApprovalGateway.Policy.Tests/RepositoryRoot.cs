namespace ApprovalGateway.Policy.Tests;

/// <summary>The folder holding ApprovalGateway.sln, found by walking up from the test binaries.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.GetFullPath(System.IO.Path.Combine([Path, .. parts]));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ApprovalGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"ApprovalGateway.sln not found above {AppContext.BaseDirectory}");
    }
}
