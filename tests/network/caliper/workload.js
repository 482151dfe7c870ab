'use strict';
// Caliper workload for the harness chaincode: `put` (a submit, a new key each time, so no two
// transactions conflict) or `whoami` (an evaluate), as the identity named in the round's arguments.

const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

class ProbeWorkload extends WorkloadModuleBase {
  async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
    await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
    this.txIndex = 0;
  }

  async submitTransaction() {
    this.txIndex++;
    const submit = this.roundArguments.function === 'put';
    const request = {
      contractId: 'probe',
      contractFunction: submit ? 'probe:put' : 'probe:whoami',
      contractArguments: submit ? [`caliper-${this.roundIndex}-${this.workerIndex}-${this.txIndex}-${process.hrtime.bigint()}`, 'x'] : [],
      invokerIdentity: this.roundArguments.identity,
      invokerMspId: 'Org1MSP',
      readOnly: !submit,
    };
    await this.sutAdapter.sendRequests(request);
  }
}

module.exports.createWorkloadModule = () => new ProbeWorkload();
