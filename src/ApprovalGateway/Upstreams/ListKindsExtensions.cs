namespace ApprovalGateway.Upstreams;

internal static class ListKindsExtensions
{
    /// <summary>The lists by name, for a log line: "tools, prompts".</summary>
    public static string Describe(this ListKinds lists) => string.Join(
        ", ",
        new[] { (ListKinds.Tools, "tools"), (ListKinds.Resources, "resources"), (ListKinds.Prompts, "prompts") }
            .Where(kind => lists.HasFlag(kind.Item1)).Select(kind => kind.Item2));
}
