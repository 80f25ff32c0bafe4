namespace ApprovalGateway.Hosting;

/// <summary>The folder of the gateway's own state: <c>Gateway:DataPath</c>, by default <c>data</c>, relative to the content root.</summary>
internal static class GatewayDataPath
{
    public const string Key = "Gateway:DataPath";

    /// <summary>The full path of <paramref name="relative"/> inside the data folder.</summary>
    public static string Resolve(IConfiguration configuration, string contentRoot, string relative)
    {
        var folder = configuration[Key];
        return Path.GetFullPath(Path.Combine(string.IsNullOrWhiteSpace(folder) ? "data" : folder, relative), contentRoot);
    }
}
