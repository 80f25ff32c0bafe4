using System.Diagnostics.CodeAnalysis;

namespace ApprovalGateway.Upstreams;

/// <summary>Every tool of every enabled upstream, as last listed.</summary>
internal interface IToolCatalog
{
    IReadOnlyList<UpstreamTool> Tools { get; }

    bool TryGet(string name, [MaybeNullWhen(false)] out UpstreamTool tool);
}
