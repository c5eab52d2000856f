import { planUpload } from './upload';

// The page script. Uploading to the local stack or S3 arrives with the web UI issue; today it checks the choice.
const input = document.querySelector<HTMLInputElement>('#picture');
const status = document.querySelector<HTMLOutputElement>('#status');
input?.addEventListener('change', () => {
  const file = input.files?.[0];
  if (!file || !status) return;
  const plan = planUpload(file, 'local-user');
  status.textContent = plan.ok ? `Would upload to ${plan.key}` : plan.problem;
});
