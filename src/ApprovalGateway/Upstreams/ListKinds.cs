namespace ApprovalGateway.Upstreams;

/// <summary>
/// The lists an upstream may say changed, each with its own <c>notifications/*/list_changed</c>: resources and resource
/// templates share one.
/// </summary>
[Flags]
internal enum ListKinds
{
    None = 0,
    Tools = 1,
    Resources = 2,
    Prompts = 4,
    All = Tools | Resources | Prompts,
}
