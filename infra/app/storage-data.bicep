// The relay's queues, tables and the lifecycle rule for claim-check blobs, created on the storage account
// that main.bicep makes with the AVM module. Names come from storage-names.json, shared with api.bicep,
// so an app setting can never name a queue or table that the deployment did not create.
param storageAccountName string

var storageNames = loadJsonContent('storage-names.json')

resource stg 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: stg
  name: 'default'
}

// Includes the -poison queues: the Functions host creates them on demand, but with them in place the
// deployment owns every queue and the alert/README can point at them before the first failure.
resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queue in items(storageNames.queues): {
    parent: queueService
    name: queue.value
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: stg
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in items(storageNames.tables): {
    parent: tableService
    name: table.value
  }
]

// Claim-check row payloads are read once by the push function; anything older is garbage.
// Scoped by prefix to the rows container, so the deployment-package container is never touched.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: stg
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-row-payloads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${storageNames.containers.rows}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: storageNames.rowsBlobRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

output storageAccountName string = stg.name
output blobEndpoint string = stg.properties.primaryEndpoints.blob
output queueEndpoint string = stg.properties.primaryEndpoints.queue
output tableEndpoint string = stg.properties.primaryEndpoints.table
output queueNames array = [for (queue, i) in items(storageNames.queues): queues[i].name]
output tableNames array = [for (table, i) in items(storageNames.tables): tables[i].name]
