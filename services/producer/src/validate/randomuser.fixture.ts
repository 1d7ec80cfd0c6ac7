/** A randomuser.me 1.4 result as the API documents it (US, numeric postcode). */
export function usResult(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gender: 'female',
    name: { title: 'Miss', first: 'Jennie', last: 'Nichols' },
    location: {
      street: { number: 8929, name: 'Valwood Pkwy' },
      city: 'Billings',
      state: 'Michigan',
      country: 'United States',
      postcode: 63104,
      coordinates: { latitude: '-69.8246', longitude: '134.8719' },
      timezone: { offset: '+9:30', description: 'Adelaide, Darwin' },
    },
    email: 'jennie.nichols@example.com',
    login: {
      uuid: '7a0eed16-9430-4d68-901f-c0d4c1c3bf00',
      username: 'yellowpeacock117',
      password: 'addison',
    },
    dob: { date: '1992-03-08T15:13:16.688Z', age: 30 },
    registered: { date: '2007-07-09T05:51:59.390Z', age: 14 },
    phone: '(272) 790-0888',
    cell: '(489) 330-2385',
    id: { name: 'SSN', value: '405-88-3636' },
    picture: {
      large: 'https://randomuser.me/api/portraits/women/75.jpg',
      medium: 'https://randomuser.me/api/portraits/med/women/75.jpg',
      thumbnail: 'https://randomuser.me/api/portraits/thumb/women/75.jpg',
    },
    nat: 'US',
    ...overrides,
  };
}
