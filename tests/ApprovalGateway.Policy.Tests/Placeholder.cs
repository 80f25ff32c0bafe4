namespace ApprovalGateway.Policy.Tests;
