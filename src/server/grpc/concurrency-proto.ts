/**
 * etcd's v3lock.proto and v3election.proto (packages v3lockpb and v3electionpb), which the etcd3 package
 * does not ship, as a protobufjs JSON descriptor. They are small and fixed since etcd 3.2: the services
 * that run etcd's concurrency recipes inside the server, on the client port, for clients that have no
 * recipes of their own. Field names and numbers are etcd's; a test checks them against the bytes a real
 * etcd answers.
 */

const header = { type: 'etcdserverpb.ResponseHeader', id: 1 };

/** The two packages as protobufjs's INamespace `nested` map, added to the root beside etcdserverpb. */
export const CONCURRENCY_PROTO = {
  v3lockpb: {
    nested: {
      Lock: {
        methods: {
          Lock: { requestType: 'LockRequest', responseType: 'LockResponse' },
          Unlock: { requestType: 'UnlockRequest', responseType: 'UnlockResponse' },
        },
      },
      LockRequest: { fields: { name: { type: 'bytes', id: 1 }, lease: { type: 'int64', id: 2 } } },
      LockResponse: { fields: { header, key: { type: 'bytes', id: 2 } } },
      UnlockRequest: { fields: { key: { type: 'bytes', id: 1 } } },
      UnlockResponse: { fields: { header } },
    },
  },
  v3electionpb: {
    nested: {
      Election: {
        methods: {
          Campaign: { requestType: 'CampaignRequest', responseType: 'CampaignResponse' },
          Proclaim: { requestType: 'ProclaimRequest', responseType: 'ProclaimResponse' },
          Leader: { requestType: 'LeaderRequest', responseType: 'LeaderResponse' },
          Observe: { requestType: 'LeaderRequest', responseType: 'LeaderResponse', responseStream: true },
          Resign: { requestType: 'ResignRequest', responseType: 'ResignResponse' },
        },
      },
      CampaignRequest: {
        fields: {
          name: { type: 'bytes', id: 1 },
          lease: { type: 'int64', id: 2 },
          value: { type: 'bytes', id: 3 },
        },
      },
      CampaignResponse: { fields: { header, leader: { type: 'LeaderKey', id: 2 } } },
      LeaderKey: {
        fields: {
          name: { type: 'bytes', id: 1 },
          key: { type: 'bytes', id: 2 },
          rev: { type: 'int64', id: 3 },
          lease: { type: 'int64', id: 4 },
        },
      },
      LeaderRequest: { fields: { name: { type: 'bytes', id: 1 } } },
      LeaderResponse: { fields: { header, kv: { type: 'mvccpb.KeyValue', id: 2 } } },
      ResignRequest: { fields: { leader: { type: 'LeaderKey', id: 1 } } },
      ResignResponse: { fields: { header } },
      ProclaimRequest: { fields: { leader: { type: 'LeaderKey', id: 1 }, value: { type: 'bytes', id: 2 } } },
      ProclaimResponse: { fields: { header } },
    },
  },
} as const;
