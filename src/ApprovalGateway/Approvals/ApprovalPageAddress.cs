using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Where approvers open the page, as a held call's progress message names it: <c>Slack:PublicBaseUrl</c> when set;
/// else, for <c>--stdio</c>, the address this gateway listens on, which the client that launched it has no other way
/// to know. Over HTTP without a public URL it is not named: the agent's user reached the gateway at its address.
/// </summary>
internal sealed class ApprovalPageAddress(string? publicUrl, IServer? listening = null)
{
    public string? Url => publicUrl is { Length: > 0 } ? publicUrl : Listened();

    private string? Listened()
    {
        var address = listening?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            return null;
        }

        // Bound to every interface (http://+:5181), the gateway is reported at [::] or 0.0.0.0, which no browser
        // opens; the client that launched it runs on this machine.
        var page = new UriBuilder(uri);
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
        {
            page.Host = "localhost";
        }

        return page.Uri.AbsoluteUri;
    }
}
