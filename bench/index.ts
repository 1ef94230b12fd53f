export { benchRender, configWith } from './render';
export { benchUbus } from './ubus';
export { benchDaemon } from './daemon';
