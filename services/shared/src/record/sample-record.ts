import type { UserRecord } from './user-record.ts';

/** A valid record for tests and the bench (the randomuser.me documentation's example user). */
export const sampleRecord: UserRecord = {
  id: '7a0eed16-9430-4d68-901f-c0d4c1c3bf00',
  first_name: 'Jennie',
  last_name: 'Nichols',
  gender: 'female',
  address: '8929 Valwood Pkwy, Billings, Michigan, United States',
  postcode: '63104',
  email: 'jennie.nichols@example.com',
  username: 'yellowpeacock117',
  dob: Date.parse('1992-03-08T15:13:16.688Z'),
  registered_date: Date.parse('2007-07-09T05:51:59.390Z'),
  phone: '(272) 790-0888',
  picture: 'https://randomuser.me/api/portraits/med/women/75.jpg',
  nat: 'US',
  cell: '(489) 330-2385',
  latitude: -69.8246,
  longitude: 134.8719,
  timezone_offset: '+9:30',
  produced_at: 1_764_000_000_000,
};
