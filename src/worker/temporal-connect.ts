/** The worker's connection to Temporal, failing in words (temporal-address.ts) rather than a transport dump. */
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { Sora2TemporalAddressError, Sora2TemporalUnreachableError, temporalAddressProblem } from './temporal-address';

export async function connectToTemporal(options: NativeConnectionOptions): Promise<NativeConnection> {
  const address = options.address ?? 'localhost:7233';
  const problem = temporalAddressProblem(address);
  if (problem) throw new Sora2TemporalAddressError(`${problem}: set TEMPORAL_ADDRESS`);
  try {
    return await NativeConnection.connect(options);
  } catch (err) {
    throw new Sora2TemporalUnreachableError(address, err);
  }
}
