import { synthesize } from './synth';

// Catches unintended drift only; the properties that matter are asserted one by one elsewhere.
it('synthesizes the template it synthesized before', () => {
  expect(synthesize().template.toJSON()).toMatchSnapshot();
});
