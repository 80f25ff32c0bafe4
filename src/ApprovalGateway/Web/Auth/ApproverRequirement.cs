using Microsoft.AspNetCore.Authorization;

namespace ApprovalGateway.Web.Auth;

/// <summary>The caller is a configured approver or, when there are none, a loopback caller.</summary>
internal sealed class ApproverRequirement : IAuthorizationRequirement;
