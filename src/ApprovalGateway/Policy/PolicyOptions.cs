namespace ApprovalGateway.Policy;

/// <summary><c>Gateway:Policy</c>: where the policy file is. Relative paths resolve against the content root.</summary>
internal sealed class PolicyOptions
{
    public const string Section = "Gateway:Policy";

    public string Path { get; set; } = "policies/policy.json";

    /// <summary>How long file events must be quiet before a reload, so an editor's several writes give one reload.</summary>
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often the file is also read and compared, for changes no file event reports (a Kubernetes ConfigMap's
    /// symlink swap, bind mounts, network file systems); zero turns the poll off.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
