// Log Analytics workspace and a workspace-based Application Insights component: the Functions
// host's and the app's telemetry, in the deployment's own region.
// https://learn.microsoft.com/azure/azure-monitor/app/create-workspace-resource

@description('Region of both resources: one of the UK/EEA regions azure.bicep allows.')
param location string

@description('Tags for every resource.')
param tags object

param logAnalyticsName string

param appInsightsName string

@description('Days logs are kept. Logs carry ids only (docs/data-protection.md), never names or message text.')
@minValue(30)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
  }
}

output appInsightsName string = appInsights.name
output workspaceId string = workspace.id
