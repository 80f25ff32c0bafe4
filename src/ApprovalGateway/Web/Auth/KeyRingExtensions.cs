using ApprovalGateway.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApprovalGateway.Web.Auth;

/// <summary>
/// The data protection key ring that seals approvers' sign-in cookies and anti-forgery tokens. It lives in
/// <c>{Gateway:DataPath}/keys</c>, so sign-ins outlive a restart; scaled out on PostgreSQL, the shared database holds
/// it instead (<c>AddGatewayScaleOut</c> replaces the <see cref="IXmlRepository"/>), so every instance reads what any
/// instance sealed.
/// </summary>
internal static class KeyRingExtensions
{
    /// <summary>
    /// Fixed, because the default is the content root path: two instances installed in different folders would
    /// otherwise refuse each other's cookies even with the same keys.
    /// </summary>
    public const string ApplicationName = "ApprovalGateway";

    public static IServiceCollection AddGatewayKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.TryAddSingleton<IXmlRepository>(sp => new FileSystemXmlRepository(
            PrivateFolder.Create(GatewayDataPath.Resolve(configuration, sp.GetRequiredService<IHostEnvironment>().ContentRootPath, "keys")),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddOptions<KeyManagementOptions>().Configure<IXmlRepository>((keys, repository) => keys.XmlRepository = repository);
        return services;
    }
}
