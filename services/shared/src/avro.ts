// @userstream/shared/avro: the Avro codec of the user record and the Schema Registry client.
export * from './record/avro-codec.ts';
export * from './clients/registry-client.ts';
