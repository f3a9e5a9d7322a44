import { templateOf } from './synth';

// Catches unintended drift only; the properties that matter are asserted one by one elsewhere.
it('synthesizes the template it synthesized before', () => {
  expect(templateOf().toJSON()).toMatchSnapshot();
});
