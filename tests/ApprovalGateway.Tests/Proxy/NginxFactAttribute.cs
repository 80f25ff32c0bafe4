using ApprovalGateway.Testing;
using ApprovalGateway.Tests.ScaleOut;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>A test through a real nginx: skipped, with the reason shown, only where nginx is missing and not required.</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    public NginxFactAttribute() => Skip = ScaleOutBinaries.Required ? null : NginxProxy.Unavailable;
}
