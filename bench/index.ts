export { benchRender, configWith } from './render';
export { benchUbus } from './ubus';
export { benchPlugin } from './plugin';
export { benchIscsi } from './iscsi';
