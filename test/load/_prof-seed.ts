import { seedCustomers } from '@test/load/seed-customers';
// eslint-disable-next-line
const fx = require('/work/shared/bench/raw/customer.js');
seedCustomers(process.argv[2], Number(process.argv[3]), (i) => ({
  id: fx.seedId(i),
  document: fx.makeCustomer(i),
})).then((ms) => console.log('seeded', ms));
